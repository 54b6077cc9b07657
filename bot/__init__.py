"""The Rasa side of the assistant: custom NLU components, channels, domain and endpoints."""
