import { checkAddress, checkDestinationUrl, isPublicAddress, parseAllowedHosts } from './destination-address';

describe('destination addresses (SSRF)', () => {
  const none = parseAllowedHosts('');

  it('refuses private, loopback, link-local, metadata and mapped addresses, and lets public ones through', () => {
    for (const address of [
      '10.1.2.3',
      '127.0.0.1',
      '169.254.169.254',
      '172.20.0.1',
      '192.168.1.1',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      'fd00:ec2::254',
      '::ffff:10.0.0.1',
      '::ffff:127.0.0.1',
      'not-an-ip',
    ]) {
      expect([address, isPublicAddress(address)]).toEqual([address, false]);
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8']) {
      expect([address, isPublicAddress(address)]).toEqual([address, true]);
    }
  });

  it('allows a listed host at any address, and only it', () => {
    const allowed = parseAllowedHosts(' 127.0.0.1, Receiver.Local ,');
    expect([...allowed]).toEqual(['127.0.0.1', 'receiver.local']);
    expect(checkAddress('127.0.0.1', '127.0.0.1', allowed)).toBeNull();
    expect(checkAddress('receiver.local', '10.0.0.9', allowed)).toBeNull();
    expect(checkAddress('evil.example', '127.0.0.1', allowed)).toMatch(/private, loopback/);
    expect(checkAddress('hooks.example', '93.184.216.34', none)).toBeNull();
  });

  it('wants https, except for allowed hosts, and no credentials or fragments', () => {
    const allowed = parseAllowedHosts('127.0.0.1');
    expect(checkDestinationUrl('https://hooks.example.com/a?b=1', none)).toBeInstanceOf(URL);
    expect(checkDestinationUrl('http://127.0.0.1:8080/hook', allowed)).toBeInstanceOf(URL);
    expect(checkDestinationUrl('http://hooks.example.com/', none)).toMatch(/must be https/);
    expect(checkDestinationUrl('ftp://hooks.example.com/', none)).toBe('url must be https');
    expect(checkDestinationUrl('file:///etc/passwd', allowed)).toBe('url must be https');
    expect(checkDestinationUrl('https://user:pw@hooks.example.com/', none)).toMatch(/credentials/);
    expect(checkDestinationUrl('https://hooks.example.com/#x', none)).toMatch(/fragment/);
    expect(checkDestinationUrl('not a url', none)).toMatch(/absolute URL/);
  });
});
