"""Dataset checksums and calibrated reference metrics, shipped with the package as ``grader.datafiles``."""
