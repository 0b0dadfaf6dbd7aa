"""Receivers that keep a user's Hugging Face data current at each sign-in."""
