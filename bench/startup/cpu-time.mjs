// Preloaded (`node --import`) into every startup contestant by bench/scenarios/startup.mjs: prints
// the process's CPU time (user + system, all threads) at exit on stderr. Wall time on a shared
// machine measures the other processes as much as this one; CPU time is what the start costs.
process.on('exit', () => {
  const u = process.cpuUsage();
  process.stderr.write(`\nstartup-cpu-us ${u.user + u.system}\n`);
});
