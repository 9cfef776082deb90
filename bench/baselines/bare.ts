import fs from 'node:fs';
import http from 'node:http';

/** The floor: node:http answering every request with the same bytes. Args: port, body file, status, content type. */
const [port, file, status = '200', type = 'application/json;charset=UTF-8'] = process.argv.slice(2);
const body = fs.readFileSync(file!);
http
  .createServer((req, res) => {
    req.resume();
    res.writeHead(Number(status), { 'content-type': type, 'content-length': body.length });
    res.end(body);
  })
  .listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
