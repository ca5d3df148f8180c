import time
t=time.perf_counter(); x=0
for i in range(10_000_000): x+=i
print((time.perf_counter()-t)*1e9/1e7,'ns/iter python')
