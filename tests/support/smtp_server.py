"""A real SMTP server for the e-mail tests: aiosmtpd in its own process, keeping each
message it accepts as a file, and refusing the first N with a temporary error (451).

    python tests/support/smtp_server.py --port P --dir D [--refuse N]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, directory: Path, refuse: int) -> None:
        self.directory = directory
        self.refusals = itertools.count()
        self.refuse = refuse
        self.numbers = itertools.count(1)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if next(self.refusals) < self.refuse:
            return "451 4.3.0 try again later"
        number = next(self.numbers)
        path = self.directory / f"{number:05d}.eml"
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(envelope.original_content)
        temporary.rename(path)  # whole files only: the test never reads half a message
        return "250 OK"


async def serve(port: int, directory: Path, refuse: int) -> None:
    sink = Sink(directory, refuse)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(sink), "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--refuse", type=int, default=0)
    options = parser.parse_args()
    asyncio.run(serve(options.port, options.dir, options.refuse))
