// Types of openapi-types.mjs for the drift test (apps/server/src/openapi/ui-api-types.spec.ts).
export declare const UI_API_SCHEMA_PATH: string;
export declare function renderApiTypes(buildApiDocument: (version: string, basePath: string) => object): Promise<string>;
