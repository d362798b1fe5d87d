"""Weight computation: rules, strategies (balance, decay, clip) and normalisation."""
