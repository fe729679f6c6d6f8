"""The HTTP API: FastAPI routes over the service layer and the read models."""
