/** The Web API methods the fake answers, by name. Anything else answers `unknown_method`. */
import type { FakeSlackState } from '../state.js';
import { type Json, SlackApiError } from '../util.js';
import { getPermalink, postEphemeral, postMessage, updateMessage } from './chat.js';
import {
  authTest,
  conversationsInfo,
  conversationsOpen,
  usergroupsUsersList,
  usersInfo,
} from './users-and-channels.js';
import { conversationsHistory, conversationsReplies } from './conversations.js';
import { completeUploadExternal, getUploadURLExternal } from './files.js';
import { openView, publishView, updateView } from './views.js';

export function callMethod(s: FakeSlackState, method: string, a: Json): Json {
  switch (method) {
    case 'auth.test':
      return authTest(s);
    case 'chat.postMessage':
      return postMessage(s, a);
    case 'chat.update':
      return updateMessage(s, a);
    case 'chat.postEphemeral':
      return postEphemeral(s, a);
    case 'chat.getPermalink':
      return getPermalink(s, a);
    case 'views.open':
      return openView(s, a, 'views.open');
    case 'views.push':
      return openView(s, a, 'views.push');
    case 'views.update':
      return updateView(s, a);
    case 'views.publish':
      return publishView(s, a);
    case 'users.info':
      return usersInfo(s, a);
    case 'usergroups.users.list':
      return usergroupsUsersList(s, a);
    case 'conversations.info':
      return conversationsInfo(s, a);
    case 'conversations.open':
      return conversationsOpen(s, a);
    case 'conversations.history':
      return conversationsHistory(s, a);
    case 'conversations.replies':
      return conversationsReplies(s, a);
    case 'files.getUploadURLExternal':
      return getUploadURLExternal(s, a);
    case 'files.completeUploadExternal':
      return completeUploadExternal(s, a);
    default:
      throw new SlackApiError('unknown_method');
  }
}
