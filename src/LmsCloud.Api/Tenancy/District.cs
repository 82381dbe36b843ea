namespace LmsCloud.Api.Tenancy;

/// <summary>A district: our tenant. <see cref="Identifier"/> is the slug used as the subdomain.</summary>
public sealed record District(Guid TenantId, string Slug, string DisplayName, DistrictStatus Status) : ITenantInfo
{
    public string Id => TenantId.ToString();
    public string Identifier => Slug;
    public string? Name => DisplayName;
}

public enum DistrictStatus { Active, Suspended }
