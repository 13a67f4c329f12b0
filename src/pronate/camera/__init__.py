"""The camera stage: where the camera stands (view, roll, pitch, scale) and the body as it
is seen from there (upright coordinates, real left/right labels, contacts, quiet stance),
computed once per clip."""
