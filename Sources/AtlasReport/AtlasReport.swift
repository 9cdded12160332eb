// AtlasReport module
