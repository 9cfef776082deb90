/* eslint-disable no-useless-escape -- the patterns keep the contract's spelling, escaped slashes included */
/**
 * The whole-string patterns of docs/api/iotedge.md §1.6, in forms that cannot backtrack badly. Lengths are
 * always checked before these (JSON Schema maxLength comes first in validation).
 */
export const RX_ID = /^[A-Za-z0-9_-]*$/;
export const RX_APPNAME = /^[A-Za-z0-9_\-\u4e00-\u9fa5]*$/;
export const RX_TEXT = /^[A-Za-z0-9_;:?!,；：？！，、.。\-\s\u4e00-\u9fa5]*$/;
export const RX_VER = /^[A-Za-z0-9._-]*$/;
export const RX_EXEC = /^[A-Za-z0-9_;:?!,；：？！，、.。\/\-\s\u4e00-\u9fa5]*$/;
export const RX_CMD = /^[A-Za-z0-9_;:?!,；：？！，、\/.@>。\-\s\u4e00-\u9fa5]*$/;
export const RX_ARGS = /^[\s\w+\/.=:@-]*$/;
export const RX_ROUTE = /^[A-Za-z0-9_\/.-]*$/;
export const RX_SERVICE = /^[\u4e00-\u9fa5A-Za-z0-9_?'#().,&%@!$-]{1,32}$/;
export const RX_ENV_KEY = /^[_A-Za-z][_A-Za-z0-9]*$/;
export const RX_ENV_VAL = /^[A-Za-z0-9_;:?!,；：？！，、.+=@>。\/\-\s\u4e00-\u9fa5]*$/;
export const RX_IMAGE = /^[-A-Za-z0-9+&@#\/%?=~_|!:,.;]+[-A-Za-z0-9+&@#\/%=~_|]$/;
export const RX_ABSPATH = /^\/[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*\/?$/;
export const RX_VOLDEST = /^\/*(?!boot\/|dev\/|etc\/|lib\/|pro\/|sys\/)[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*\/?$/;
export const RX_HTTPPATH = /^\/\w+(?:\/\w+)*\/?$/;
export const RX_HOST =
  /^$|^(?:https?:\/\/)?(?:www\.)?[-A-Za-z0-9@:%._+~#=]{1,256}\.[A-Za-z0-9()]{1,6}\b[-A-Za-z0-9()!@:%_+.~#?&\/=]*$/;
export const RX_VOLUME_NAME = /^[a-z0-9]*$/;
export const RX_PROJECT_ID = /^[A-Za-z0-9_-]*$/;

/** Every pattern above, for tests that feed each one adversarial input. */
export const ALL_PATTERNS = {
  RX_ID,
  RX_APPNAME,
  RX_TEXT,
  RX_VER,
  RX_EXEC,
  RX_CMD,
  RX_ARGS,
  RX_ROUTE,
  RX_SERVICE,
  RX_ENV_KEY,
  RX_ENV_VAL,
  RX_IMAGE,
  RX_ABSPATH,
  RX_VOLDEST,
  RX_HTTPPATH,
  RX_HOST,
  RX_VOLUME_NAME,
  RX_PROJECT_ID,
};

/** What each pattern means, for error messages ("… must be <rule>"). */
export const PATTERN_RULES = new Map<RegExp, string>([
  [RX_ID, 'letters, digits, "_" and "-"'],
  [RX_APPNAME, 'letters, digits, Chinese characters, "_" and "-"'],
  [RX_TEXT, 'letters, digits, Chinese characters, spaces and _;:?!,.-。，、；：？！'],
  [RX_VER, 'letters, digits, ".", "_" and "-"'],
  [RX_EXEC, 'letters, digits, Chinese characters, spaces and _;:?!,./-'],
  [RX_CMD, 'letters, digits, Chinese characters, spaces and _;:?!,./@>-'],
  [RX_ARGS, 'letters, digits, spaces and _+/.=:@-'],
  [RX_ROUTE, 'letters, digits and _/.-'],
  [RX_SERVICE, "1-32 letters, digits, Chinese characters and _?'#().,&%@!$-"],
  [RX_ENV_KEY, 'a variable name: a letter or "_", then letters, digits or "_"'],
  [RX_ENV_VAL, 'letters, digits, Chinese characters, spaces and _;:?!,.+=@>/-'],
  [RX_IMAGE, 'an image address such as swr.cn-north-4.myhuaweicloud.com/ns/app:1.0'],
  [RX_ABSPATH, 'an absolute path such as /var/log/app'],
  [RX_VOLDEST, 'a mount path such as /opt/data, not under /boot, /dev, /etc, /lib, /pro or /sys'],
  [RX_HTTPPATH, 'a URL path such as /healthz'],
  [RX_HOST, 'a host name with a domain, such as edge.example.com'],
  [RX_VOLUME_NAME, 'lower-case letters and digits'],
  [RX_PROJECT_ID, 'letters, digits, "_" and "-"'],
]);
