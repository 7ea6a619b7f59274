"""A TCP proxy in front of a database that can be frozen: it keeps every connection open and acknowledged
(the kernel does that) but passes nothing on, as a stopped or hung server would. Also a server that accepts
and never answers at all."""

from __future__ import annotations

import select
import socket
import threading


class FrozenProxy:
    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.frozen = threading.Event()
        self.stopping = threading.Event()
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self._sockets.append(client)
            if self.frozen.is_set():
                continue  # accepted, never answered
            upstream = socket.create_connection(self.target)
            self._sockets.append(upstream)
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        while not self.stopping.is_set():
            if self.frozen.is_set():  # hold whatever comes: read nothing, send nothing
                self.stopping.wait(0.05)
                continue
            ready, _, _ = select.select([a, b], [], [], 0.05)
            for source in ready:
                try:
                    data = source.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                (b if source is a else a).sendall(data)

    def stop(self) -> None:
        self.stopping.set()
        self.listener.close()
        for sock in self._sockets:
            sock.close()
