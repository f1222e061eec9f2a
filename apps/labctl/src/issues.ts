/** One finding of `labctl check`: the entry it is about, what is wrong, and how to fix it. */
export interface LabIssue {
  entry: string;
  problem: string;
  fix?: string;
}

export function formatIssue(issue: LabIssue): string {
  return `${issue.entry}: ${issue.problem}${issue.fix ? `; fix: ${issue.fix}` : ''}`;
}
