using System.Text.RegularExpressions;

namespace LmsCloud.Core.Tenancy;

/// <summary>A district: our tenant. <see cref="Identifier"/> is the slug used as the subdomain.</summary>
public sealed partial record District(Guid TenantId, string Slug, string DisplayName, DistrictStatus Status) : ITenantInfo
{
    public string Id => TenantId.ToString();
    public string Identifier => Slug;
    public string? Name => DisplayName;

    /// <summary>A slug is one DNS label: it becomes the district's subdomain.</summary>
    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")]
    public static partial Regex SlugPattern();
}

public enum DistrictStatus { Active, Suspended }
