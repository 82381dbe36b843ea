using LmsCloud.Core.Database;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.ValueGeneration;
using OpenIddict.EntityFrameworkCore.Models;

namespace LmsCloud.Core.Auth;

// OpenIddict's entities, each a district's row (migration 0011). OpenIddict creates them itself, so TenantId is filled
// by TenantIdGenerator from the context's district, and by the column default as a second guard.

public sealed class TenantApplication : OpenIddictEntityFrameworkCoreApplication<Guid, TenantAuthorization, TenantToken>, ITenantOwned
{
    public Guid TenantId { get; set; }
}

public sealed class TenantAuthorization : OpenIddictEntityFrameworkCoreAuthorization<Guid, TenantApplication, TenantToken>, ITenantOwned
{
    public Guid TenantId { get; set; }
}

public sealed class TenantScope : OpenIddictEntityFrameworkCoreScope<Guid>, ITenantOwned
{
    public Guid TenantId { get; set; }
}

public sealed class TenantToken : OpenIddictEntityFrameworkCoreToken<Guid, TenantApplication, TenantAuthorization>, ITenantOwned
{
    public Guid TenantId { get; set; }
}

/// <summary>The district of the context that saves the entity; without one there is nothing to save it under.</summary>
public sealed class TenantIdGenerator : ValueGenerator<Guid>
{
    public override bool GeneratesTemporaryValues => false;

    public override Guid Next(EntityEntry entry) =>
        (entry.Context as LmsDbContext)?.TenantId ?? throw new InvalidOperationException($"No district: cannot save a {entry.Metadata.ClrType.Name}.");
}

/// <summary>
/// Maps the entities onto migration 0011's tables. The EF key is <c>Id</c> alone while the table's is
/// <c>(tenant_id, id)</c>: OpenIddict's stores find rows by one value (<c>FindAsync(id)</c>), and a composite EF key
/// breaks them (IDENTITY.md §4.1). Ids are Guid v7, unique on their own; RLS and the query filter keep the district.
/// </summary>
public static class OpenIddictModel
{
    /// <summary>Annotation naming the table's real key where the EF key differs from it (ModelMatchesSchemaTests reads it).</summary>
    public const string TableKeyAnnotation = "LmsCloud:TableKey";

    public static void Configure(ModelBuilder model)
    {
        model.UseOpenIddict<TenantApplication, TenantAuthorization, TenantScope, TenantToken, Guid>();
        Table<TenantApplication>(model, "openiddict_applications");
        Table<TenantAuthorization>(model, "openiddict_authorizations");
        Table<TenantScope>(model, "openiddict_scopes");
        Table<TenantToken>(model, "openiddict_tokens");
    }

    static void Table<T>(ModelBuilder model, string table) where T : class, ITenantOwned
    {
        var e = model.Entity<T>();
        e.ToTable(table);
        e.HasAnnotation(TableKeyAnnotation, "tenant_id, id");
        e.Property(x => x.TenantId).HasValueGenerator<TenantIdGenerator>().ValueGeneratedOnAdd();
        // Our columns are text: no length limits of OpenIddict's own model (its ids and names are short anyway).
        foreach (var property in e.Metadata.GetProperties().Where(p => p.ClrType == typeof(string)))
            property.SetMaxLength(null);
    }
}
