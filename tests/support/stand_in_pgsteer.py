#!/usr/bin/env python3
# A stand-in for the pgsteer binary, to test the Pgsteer test helper before pgsteer exists: reads
# `-c FILE` (TOML), listens on [server] listen and relays bytes to the first [[node]].
import asyncio
import signal
import sys
import tomllib


def read_config(path):
    with open(path, "rb") as f:
        conf = tomllib.load(f)
    host, port = conf["server"]["listen"].rsplit(":", 1)
    node = conf["node"][0]
    return host, int(port), node.get("host", "127.0.0.1"), int(node["port"])


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def main(path):
    host, port, node_host, node_port = read_config(path)
    target = [node_host, node_port]

    async def relay(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection(*target)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pipe(client_reader, server_writer), pipe(server_reader, client_writer))

    def reload():
        target[:] = read_config(path)[2:]
        print(f"stand-in: reloaded, relaying to port {target[1]}", flush=True)

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGHUP, reload)
    loop.add_signal_handler(signal.SIGTERM, stopping.set)
    server = await asyncio.start_server(relay, host, port)
    print(f"stand-in: listening on {host}:{port}, relaying to port {node_port}", flush=True)
    await stopping.wait()
    server.close()
    print("stand-in: stopped", flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "-c":
        sys.exit("usage: stand_in_pgsteer.py -c CONFIG")
    asyncio.run(main(sys.argv[2]))
