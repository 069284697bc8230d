"""Reports written for machines: JUnit XML for CI (`junit`), from load and fuzz runs alike."""
