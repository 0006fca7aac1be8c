"""The Importance Weighted Autoencoder (Burda, Grosse & Salakhutdinov, 2015) in TensorFlow 2, as a
library: it never imports the web app.

    iwae.py           q(h|x), p(x, h), the log-weights (eq. 2) and the bounds (eq. 8)
    distributions.py  the log-densities; likelihoods.py p(x|h1) and intensities ↔ model inputs
    networks.py       the MLPs and convolutions between stochastic layers (float32 or bfloat16)
    config.py         the model and training dataclasses, read from configs/*.toml
    data.py           MNIST and CelebA; train.py the loop; devices.py devices and tf.distribute
    evaluate.py       the k = 5000 estimate; attributes.py, latent.py the latent arithmetic
    bundle.py         the shipped format; cli.py the commands (train, export, evaluate, attributes)
"""
