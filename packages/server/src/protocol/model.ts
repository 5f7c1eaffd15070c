/** The subset of an AWS API model (Smithy, as botocore serialises it) that validation needs. */
export type Shape =
  | { type: 'string'; min?: number; max?: number; pattern?: string; enum?: string[] }
  | { type: 'integer' | 'long' | 'double'; min?: number; max?: number }
  | { type: 'boolean' }
  | { type: 'timestamp' }
  | { type: 'blob'; min?: number; max?: number }
  | { type: 'list'; member: string; min?: number; max?: number }
  | { type: 'map'; key: string; value: string; min?: number; max?: number }
  | { type: 'structure'; members: Record<string, string>; required?: string[]; exception?: boolean };

export interface OperationModel {
  input: string | null;
  output: string | null;
  errors: string[];
}

export interface ApiModel {
  targetPrefix: string;
  operations: Record<string, OperationModel>;
  shapes: Record<string, Shape>;
}
