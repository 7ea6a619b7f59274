"""A throwaway PostgreSQL cluster of the test's own, on a free port, that the test may stop and start.

Never the shared server on 5432: an outage test takes its database down, so it runs one nobody else uses.
`initdb` and `postgres` refuse to run as root, and the suite runs as root in CI, so as root the cluster is
made and run by the `postgres` system user (`runuser`), in a directory that user owns."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.harness.app_server import free_port


def server_binaries() -> Path | None:
    """The newest installed PostgreSQL's bin directory (Debian's layout), or None when there is none."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name))
    return Path(found[-1]).parent if found else None


class OwnPostgres:
    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="partnerbot-pg-"))
        self.data = self.dir / "data"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        self.running = False

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run(
            [*self._as, str(self.bin_dir / program), *args], capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stdout}{done.stderr}")

    def start(self) -> None:
        # fsync off: only a crash of the machine loses what it would keep, and ours does not crash. Commits stay
        # synchronous, so the immediate stop of an outage loses nothing that was committed (as on a real server).
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "server.log"), "-w", "start")
        self.running = True

    def stop(self) -> None:
        """Shut down at once, as an outage would: connected sessions are cut off, new ones refused."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        self.running = False

    def remove(self) -> None:
        if self.running:
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
