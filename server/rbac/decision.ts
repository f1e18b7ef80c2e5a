// An authorizer's answer, as upstream's authorizer.Decision with its reason: Allow ends the
// chain, Deny ends it refusing, NoOpinion asks the next authorizer.
export type Decision = 'Allow' | 'Deny' | 'NoOpinion';

export interface DecisionResult {
  decision: Decision;
  /** Why (shown in access reviews and appended to a 403's message when not empty). */
  reason: string;
  /** An error met while deciding (access reviews report it as evaluationError). */
  evaluationError?: string;
}

/** What a user may do in a namespace, as SelfSubjectRulesReview reports it. */
export interface RulesResult {
  resourceRules: Array<{ verbs: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[] }>;
  nonResourceRules: Array<{ verbs: string[]; nonResourceURLs?: string[] }>;
  /** Some authorizer could not list its rules (the Node authorizer never can). */
  incomplete: boolean;
  evaluationError?: string;
}
