package schema

// Schema and message URNs (RFC 7643 §8.7, RFC 7644 §3.4.2, §3.4.3, §3.5.2,
// §3.7, §3.12).
const (
	UserURN                  = "urn:ietf:params:scim:schemas:core:2.0:User"
	GroupURN                 = "urn:ietf:params:scim:schemas:core:2.0:Group"
	EnterpriseUserURN        = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	ServiceProviderConfigURN = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	ResourceTypeURN          = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	SchemaURN                = "urn:ietf:params:scim:schemas:core:2.0:Schema"

	ListResponseURN  = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	SearchRequestURN = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
	PatchOpURN       = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	BulkRequestURN   = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
	BulkResponseURN  = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
	ErrorURN         = "urn:ietf:params:scim:api:messages:2.0:Error"
)
