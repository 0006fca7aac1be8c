"""One router per resource; each handler is thin: validate, call the engine, encode images."""
