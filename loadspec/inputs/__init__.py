"""Run inputs, one home for all commands: run variables (`variables`), credentials
(`credentials`) and the one secret mask (`masking`)."""
