"""What the embedded gateway does, HTTP framing aside: routing, auth and faults (`app`), the
contract operations (`handlers`), state and lifecycles, callbacks and the clients API."""
