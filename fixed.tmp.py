import pickle,time
cases=dict(none=None,int=5,list3=[1,2,3],str='hello',tuple20=tuple(range(20)))
for k,v in cases.items():
    d=pickle.dumps(v,5); t=[]
    for r in range(7):
        s=time.perf_counter()
        for i in range(200000): pickle.loads(d)
        t.append((time.perf_counter()-s)*1e6/200000)
    t.sort(); print(k,len(d),'%.3f %.3f'%(t[0],t[3]))
