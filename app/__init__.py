"""The IWAE service: a FastAPI app whose routers reach the models through one door.

cli.py         the `iwae` command: the model's commands (model/cli.py) plus `serve`
main.py        create_app: settings, the engine loaded in the lifespan, the routers
routers/       one module per resource; each request is one call on a ServedModel
engine.py      Engine: the bundles directory's models, loaded once (registry, life cycle)
served.py      ServedModel: one model's operations, with their checks, numpy in and out
compiled.py    CompiledModel: bucketed, warmed-up tf.functions, the service's only TensorFlow
prepare.py     upload bytes → intensities prepared like the training data
png.py         intensities → PNG data URLs
exceptions.py  every refusal with its HTTP status; errors.py sends them; openapi.py the document
"""
