"""The Importance Weighted Autoencoder (Burda, Grosse & Salakhutdinov, 2015) in TensorFlow 2."""
