#!/usr/bin/env python3
"""loadgen.py: many busy TCP connections at once, for benchmarks that need more than iperf3's 128 streams.

    loadgen.py sink PORT                      accept connections on PORT and discard what they send; print the
                                              bytes received so far once a second ("received=N")
    loadgen.py send HOST PORT N SECONDS       open N connections to HOST:PORT at once, write as fast as each
                                              accepts for SECONDS, then print one line of key=value figures

The sender's figures: connections that opened, that failed (with the first error), bytes written in all, and the
rate in bit/s over the time the connections were writing. Bytes written are bytes the kernel accepted: through a
proxy that bounds its buffers, they differ from bytes delivered by at most the buffers in between.
"""
import asyncio
import sys
import time

CHUNK = b"\0" * 65536


async def sink(port: int) -> None:
    received = 0

    async def discard(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal received
        try:
            while data := await reader.read(1 << 20):
                received += len(data)
        except ConnectionError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(discard, "0.0.0.0", port, backlog=4096)
    async with server:
        while True:
            print(f"received={received}", flush=True)
            await asyncio.sleep(1)


async def send(host: str, port: int, count: int, seconds: float) -> None:
    written = 0
    failures: list[str] = []
    deadline = 0.0

    async def one() -> None:
        nonlocal written
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout=30)
        except (OSError, asyncio.TimeoutError) as error:
            failures.append(f"{type(error).__name__}: {error}")
            return
        try:
            while (left := deadline - time.monotonic()) > 0:
                writer.write(CHUNK)
                # A connection the proxy has stopped reading from must not keep the run going past its time.
                await asyncio.wait_for(writer.drain(), timeout=left)
                written += len(CHUNK)
        except asyncio.TimeoutError:
            pass
        except ConnectionError as error:
            failures.append(f"{type(error).__name__}: {error}")
        finally:
            writer.close()

    start = time.monotonic()
    deadline = start + seconds
    await asyncio.gather(*(one() for _ in range(count)))
    elapsed = max(time.monotonic() - start, 1e-9)
    first = failures[0].replace(" ", "_") if failures else "none"
    print(f"opened={count - len(failures)} failed={len(failures)} bytes={written} "
          f"bits_per_second={written * 8 / elapsed:.0f} first_error={first}")


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[1] == "sink":
        asyncio.run(sink(int(argv[2])))
        return 0
    if len(argv) == 6 and argv[1] == "send":
        asyncio.run(send(argv[2], int(argv[3]), int(argv[4]), float(argv[5])))
        return 0
    print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
