process.stdout.write(String(process.hrtime.bigint()));
