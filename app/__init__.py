"""The IWAE service: a FastAPI app over one Engine that alone touches TensorFlow."""
