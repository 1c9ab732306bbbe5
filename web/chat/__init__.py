"""The chat core: `/ws/chat` (protocol v1), sessions, the turn pipeline, staff on live chats, hub.

gateway.py   each socket's read loop and pump, frame dispatch, limits, erasures
session.py   the handshake: hello, resume token, shopper identity, welcome and replay
turns.py     the turn pipeline: a message in, the assistant's typed events out as frames
staff.py     takeover, staff messages, hand back, "needs a person"
events.py    product events to recsys and the transcript
hub/         numbered frames, replay and fan-out: in memory or in Redis
"""
