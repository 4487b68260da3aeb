import sys, re, collections
# cats-http.py N FILE...: ms of CPU per HTTP clone (1 ms samples / N clones) by where it goes, from
# async-profiler's collapsed stacks of gerrit-proxy (profile.sh NAME LABEL+http:PORT N).
N = int(sys.argv[1]); files = sys.argv[2:]
def cat(fr):
    t = fr[0]; s = ';'.join(fr); leaf = fr[-1]
    if 'VM Thread' in t: return 'GC (serial, VM thread)'
    if 'CompilerThre' in t: return 'JIT compiler threads'
    if not re.search(r'\[httpd-', t):
        return 'other threads (probes, SSH, timers, ...)'
    if leaf.endswith('_[k]') or re.search(r'entry_SYSCALL', s):
        if re.search(r'epoll_wait|epollWait', s): return 'kernel: epoll_wait'
        if re.search(r'writev|write|send|sendfile|splice', s): return 'kernel: socket write'
        if re.search(r'read|recv', s): return 'kernel: socket read'
        return 'kernel: other'
    if re.search(r'HttpObjectEncoder|HttpObjectDecoder|HttpChunked|HttpContentEncoder', s): return 'HTTP codecs (chunked framing of the pack)'
    if re.search(r'allocateDirect|PoolArena|PooledByteBufAllocator|AdaptivePoolingAllocator|newDirectBuffer', s): return 'buffer allocation'
    if re.search(r'arraycopy|memmove|memcpy|copyMemory', leaf): return 'byte copies in user space'
    if re.search(r'AccessLog|logback', s): return 'access log'
    if re.search(r'ProxyMetrics|prometheus', s): return 'metrics'
    return 'other Java (pipeline, relay, futures)'
tabs = []
for f in files:
    c = collections.Counter()
    for line in open(f):
        st, n = line.rstrip().rsplit(' ', 1); c[cat(st.split(';'))] += int(n)
    tabs.append(c)
keys = sorted(set().union(*tabs), key=lambda k: -tabs[0].get(k, 0))
print('| where | ' + ' | '.join(files) + ' |'); print('|---|' + '---|' * len(files))
for k in keys: print(f'| {k} | ' + ' | '.join(str(round(t.get(k, 0) / N)) for t in tabs) + ' |')
print('| **total** | ' + ' | '.join(str(round(sum(t.values()) / N)) for t in tabs) + ' |')
