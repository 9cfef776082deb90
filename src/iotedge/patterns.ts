/**
 * The whole-string patterns of iotedge.md §1.6, in forms that cannot backtrack badly. Lengths are
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
export const RX_HOST = /^$|^(?:https?:\/\/)?(?:www\.)?[-A-Za-z0-9@:%._+~#=]{1,256}\.[A-Za-z0-9()]{1,6}\b[-A-Za-z0-9()!@:%_+.~#?&\/=]*$/;
export const RX_VOLUME_NAME = /^[a-z0-9]*$/;
export const RX_PROJECT_ID = /^[A-Za-z0-9_-]*$/;

/** Every pattern above, for tests that feed each one adversarial input. */
export const ALL_PATTERNS = {
  RX_ID, RX_APPNAME, RX_TEXT, RX_VER, RX_EXEC, RX_CMD, RX_ARGS, RX_ROUTE, RX_SERVICE, RX_ENV_KEY, RX_ENV_VAL,
  RX_IMAGE, RX_ABSPATH, RX_VOLDEST, RX_HTTPPATH, RX_HOST, RX_VOLUME_NAME, RX_PROJECT_ID,
};
