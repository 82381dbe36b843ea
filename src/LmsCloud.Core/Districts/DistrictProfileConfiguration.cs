using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace LmsCloud.Core.Districts;

sealed class DistrictProfileConfiguration : IEntityTypeConfiguration<DistrictProfile>
{
    public void Configure(EntityTypeBuilder<DistrictProfile> e) => e.ToTable("district_profiles").HasKey(x => x.TenantId);
}
