/**
 * What the engine tells the application: progress of each friend, announcements, requests,
 * messages. `t` is engine time in milliseconds (the CLI prints seconds).
 */
import type { FriendSessionState } from '../machines/index.js';

export type AppEvent =
  | { type: 'progress'; friend: string; state: FriendSessionState; t: number }
  | { type: 'dht_connected'; t: number }
  | { type: 'announced'; t: number }
  | { type: 'unannounced'; reason: string; t: number }
  | { type: 'friend_request'; pk: string; message: string; t: number }
  | { type: 'friend_online'; friend: string; t: number }
  | { type: 'friend_offline'; friend: string; reason: string; t: number }
  | { type: 'friend_name'; friend: string; name: string; t: number }
  | { type: 'friend_status_message'; friend: string; statusMessage: string; t: number }
  | { type: 'friend_user_status'; friend: string; userStatus: number; t: number }
  | { type: 'friend_typing'; friend: string; typing: boolean; t: number }
  | { type: 'message'; friend: string; text: string; kind: 'normal' | 'action'; t: number }
  | { type: 'receipt'; friend: string; id: number; t: number }
  | { type: 'friend_added'; friend: string; t: number }
  | { type: 'profile_changed'; t: number };
