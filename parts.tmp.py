import pickle,time
full=pickle.loads(open('/work/main/bench/payloads/bm_dict.p5.pickle','rb').read())
import datetime
keysOnly={k:0 for k in full}
noDate={k:v for k,v in full.items() if not isinstance(v,datetime.date)}
dateOnly=[v for v in full.values() if isinstance(v,datetime.date)][0]
strsOnly=[v for v in full.values() if isinstance(v,str)]
for n,v in dict(full=full,noDate=noDate,keysOnly=keysOnly,dateOnly=dateOnly,strsOnly=strsOnly).items():
    t=[]
    for r in range(15):
        s=time.perf_counter()
        for i in range(10000): pickle.dumps(v,5)
        t.append((time.perf_counter()-s)*1e6/10000)
    t.sort(); print(n.ljust(10),'%.3f %.3f'%(t[0],t[7]))
