"""`python3 scripts/port_free.py PORT`: exit 1 at once, saying so, when 127.0.0.1:PORT is taken.

`make run` asks before its set-up (install, migrations, demo data), not after it.
"""

import socket
import sys

HOST = "127.0.0.1"


def port_free(port: int, host: str = HOST) -> bool:
    with socket.socket() as sock:
        # As the development server binds: a port left in TIME_WAIT by the last run is free to it.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def main(argv: list[str]) -> int:
    port = int(argv[1])
    if port_free(port):
        return 0
    print(f"Port {port} on {HOST} is already in use. Serve on another one: make run PORT={port + 1}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
