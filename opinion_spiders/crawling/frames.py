"""The wire between a crawl process and the processes it starts (page workers, the events
process): pickled objects, each behind its length (4 bytes, big-endian).

Both ends are this project, started together from one Python and one ``sys.path``, so
pickle's trust and version questions do not arise."""

from __future__ import annotations

import asyncio
import pickle
import struct
from typing import IO, Any

HEADER = struct.Struct(">I")


def frame(obj: Any) -> bytes:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(data)) + data


async def read_async(stream: asyncio.StreamReader) -> Any:
    """The next object from an asyncio stream (``IncompleteReadError`` at its end)."""
    (size,) = HEADER.unpack(await stream.readexactly(HEADER.size))
    return pickle.loads(await stream.readexactly(size))


def read_frame(stream: IO[bytes]) -> Any | None:
    """The next object, or None at the end of the stream."""
    head = stream.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    (size,) = HEADER.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)
