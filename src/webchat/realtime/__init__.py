"""The Socket.IO server: handshakes, rooms, presence, replay."""
