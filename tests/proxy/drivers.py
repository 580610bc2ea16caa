# Real drivers through pgsteer: asyncpg prepared statements, binary results, binary COPY and N
# concurrent connections; psycopg2 parameters and COPY. Argument: the pgsteer port. Exits non-zero on a failure.
import asyncio, io, sys

import asyncpg
import psycopg2
port = int(sys.argv[1])
async def main():
    c = await asyncpg.connect(host='127.0.0.1', port=port, user='app', password='app', database='app')
    for i in range(3):
        st = await c.prepare('select $1::int + 1, inet_server_port()')
        row = await st.fetchrow(i)
        assert row[0] == i + 1, row
    # Binary results: asyncpg decodes bigint/numeric/bytea in binary format.
    assert await c.fetchval('select count(*) from pgbench_accounts where aid < $1', 100) == 99
    assert await c.fetchval("select '\\x0102'::bytea") == b'\x01\x02'
    async def one(i):
        r = await asyncpg.connect(host='127.0.0.1', port=port, user='app', password='app', database='app')
        v = await r.fetchval('select $1::int', i)
        await r.close()
        return v
    # Binary COPY in (copy_records_to_table) and text COPY out.
    await c.execute('create table if not exists driver_copy_a(a int, b text); truncate driver_copy_a')
    await c.copy_records_to_table('driver_copy_a', records=[(i, f'r{i}') for i in range(5000)])
    assert await c.fetchval('select sum(a) from driver_copy_a') == sum(range(5000))
    out = io.BytesIO()
    await c.copy_from_query('select a, b from driver_copy_a order by a', output=out)
    lines = out.getvalue().decode().splitlines()
    assert len(lines) == 5000 and lines[4999] == '4999\tr4999', lines[-1:]
    clients = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    vals = await asyncio.gather(*[one(i) for i in range(clients)])
    assert sum(vals) == sum(range(clients))
    await c.close()
asyncio.run(main())
c = psycopg2.connect(host='127.0.0.1', port=port, user='app', password='app', dbname='app')
c.autocommit = True
cur = c.cursor()
cur.execute("select %s::int * 2", (21,))
assert cur.fetchone() == (42,)
cur.execute("create table if not exists driver_copy(a int)")
cur.execute("truncate driver_copy")
cur.copy_from(io.StringIO("".join(f"{i}\n" for i in range(1000))), "driver_copy")
cur.execute("select count(*), sum(a) from driver_copy")
assert cur.fetchone() == (1000, 499500)
print("drivers ok")
