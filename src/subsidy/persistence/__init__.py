"""How the engine's events are stored: transcodings and the event-store environment."""
