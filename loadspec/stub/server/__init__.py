"""The embedded gateway's HTTP front ends and process main: bytes in, `Dispatcher`, bytes out."""
