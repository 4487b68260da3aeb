import sys, re, collections
# cats.py N FILE...: ms of CPU per clone (1 ms samples / N clones) by where it goes
N = int(sys.argv[1]); rows = collections.OrderedDict(); files = sys.argv[2:]
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
