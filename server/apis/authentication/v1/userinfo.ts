// authentication.k8s.io/v1 UserInfo as upstream serialises it: username, then uid, groups and
// extra when not empty.
import type { RequestUser } from '../../types.ts';

export interface UserInfoV1 {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export function userInfoV1(user: RequestUser): UserInfoV1 {
  const out: UserInfoV1 = { username: user.name };
  if (user.uid) out.uid = user.uid;
  if (user.groups?.length) out.groups = [...user.groups];
  if (user.extra && Object.keys(user.extra).length) out.extra = structuredClone(user.extra);
  return out;
}
