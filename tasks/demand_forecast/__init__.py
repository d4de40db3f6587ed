"""The demand-forecast pipeline's stages: refine (silver), features (gold), train, evaluate."""
