"""Reading outside files into the engine's use cases."""
