import pickle, time
keys=['key_number_%d'%i for i in range(20)]
mk=lambda f: {k:f(i) for i,k in enumerate(keys)}
cases=dict(null=None, emptyDict={}, dict20ints=mk(lambda i:i), dict20short=mk(lambda i:'v%d'%i), dict20long=mk(lambda i:'http://www.example.com/profile/%d.jpg'%i),
 list20short=['v%d'%i for i in range(20)], list20long=['http://www.example.com/profile/%d.jpg'%i for i in range(20)], list20lists=[[] for i in range(20)])
for n,v in cases.items():
    t=[]
    for r in range(7):
        s=time.perf_counter()
        for i in range(20000): pickle.dumps(v,5)
        t.append((time.perf_counter()-s)*1e6/20000)
    t.sort(); print(n.ljust(14),'%.3f %.3f'%(t[0],t[3]))
