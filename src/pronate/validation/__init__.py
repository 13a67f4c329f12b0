"""Accuracy against motion capture: reference data, C3D trials and the comparison."""
