import sys, re, collections
# cats.py [--http] N FILE...: ms of CPU per clone (1 ms samples / N clones) by where it goes, from
# async-profiler's collapsed stacks (profile.sh); --http sorts an HTTP clone's (LABEL+http).
args = sys.argv[1:]; http = args[0] == '--http'
if http: args = args[1:]
N = int(args[0]); files = args[1:]
def cat(fr):
    t = fr[0]; s = ';'.join(fr); leaf = fr[-1]
    if 'VM Thread' in t: return 'GC (serial, VM thread)'
    if 'CompilerThre' in t: return 'JIT compiler threads'
    if not re.search(r'ssh|Thread-\d|sshd', t): return 'other threads (probes, cluster view, ...)'
    if re.search(r'sha256|HmacCore', s): return 'HMAC-SHA-256 (client side MAC)'
    if re.search(r'GaloisCounterMode|GHASH', s): return 'AES-GCM (node side)'
    if re.search(r'CounterMode|AESCrypt', s): return 'AES-CTR (client side)'
    if leaf.endswith('_[k]') or re.search(r'entry_SYSCALL', s):
        return 'kernel: socket write' if re.search(r'write|send', s) else ('kernel: socket read' if re.search(r'read|recv', s) else 'kernel: futex/sched/other')
    if re.search(r'arraycopy|memmove|memcpy', leaf): return 'byte copies'
    if re.search(r'Unsafe.park|Unsafe.unpark|LockSupport|pthread_cond|Parker', s): return 'thread park/unpark'
    if re.search(r'^\[Thread-', t): return 'NIO2 epoll thread (hands each completion to a worker)'
    return 'other Java (MINA packets, futures, NIO2, JDK)'
def cat_http(fr):
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
        st, n = line.rstrip().rsplit(' ', 1); c[(cat_http if http else cat)(st.split(';'))] += int(n)
    tabs.append(c)
keys = sorted(set().union(*tabs), key=lambda k: -tabs[0].get(k, 0))
print('| where | ' + ' | '.join(files) + ' |'); print('|---|' + '---|' * len(files))
for k in keys: print(f'| {k} | ' + ' | '.join(str(round(t.get(k, 0) / N)) for t in tabs) + ' |')
print('| **total** | ' + ' | '.join(str(round(sum(t.values()) / N)) for t in tabs) + ' |')
