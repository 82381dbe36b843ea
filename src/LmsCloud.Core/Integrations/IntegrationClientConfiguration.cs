using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LmsCloud.Core.Integrations;

sealed class IntegrationClientConfiguration : IEntityTypeConfiguration<IntegrationClient>
{
    public void Configure(EntityTypeBuilder<IntegrationClient> e) => e.ToTable("integration_clients").HasKey(x => new { x.TenantId, x.Id });
}
