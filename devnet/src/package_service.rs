//! `sui.rpc.v2.MovePackageService` from the Move declarations the devnet knows
//! ([`crate::move_model`]): packages, datatypes and function signatures, as a full node derives
//! them from bytecode. Modules carry no bytecode (`contents` is empty): the devnet runs Rust
//! handlers instead. The framework (`0x1`, `0x2`) is described as far as the devnet implements
//! it; other packages are served when their package object is on chain.

use std::str::FromStr as _;
use std::sync::Arc;

use sui_rpc::proto::sui::rpc::v2 as proto;
use sui_rpc::proto::sui::rpc::v2::move_package_service_server::MovePackageService;
use sui_sdk_types::Address;
use tonic::{Request, Response, Status};

use crate::move_model::{
    Ability, Datatype, DatatypeKind, Function, MoveModel, MoveType, Package, Param, Reference,
    TypeParameter, Visibility,
};
use crate::state::Shared;

#[derive(Clone)]
pub struct PackageApi {
    pub shared: Arc<Shared>,
}

fn parse_package(id: Option<&str>) -> Result<Address, Status> {
    let id = id.ok_or_else(|| Status::invalid_argument("`package_id` is required"))?;
    Address::from_str(id)
        .map_err(|e| Status::invalid_argument(format!("`package_id` {id:?} is not an ID: {e}")))
}

impl PackageApi {
    /// The package, if the devnet knows its declarations and it exists on this chain.
    fn package(&self, id: &Address) -> Result<&'static Package, Status> {
        let package = MoveModel::get()
            .package(id)
            .ok_or_else(|| Status::not_found(format!("package {id} is not known")))?;
        let framework = *id == Address::TWO || *id == crate::objects::short_id(1);
        let on_chain = self
            .shared
            .read()
            .get_object(id)
            .is_some_and(|o| matches!(o.data(), sui_sdk_types::ObjectData::Package(_)));
        if framework || on_chain {
            Ok(package)
        } else {
            Err(Status::not_found(format!(
                "package {id} is not published on this chain"
            )))
        }
    }

    fn module<'p>(
        &self,
        package: &'p Package,
        name: Option<&str>,
    ) -> Result<&'p crate::move_model::Module, Status> {
        let name = name.ok_or_else(|| Status::invalid_argument("`module_name` is required"))?;
        package.modules.get(name).ok_or_else(|| {
            Status::not_found(format!("package {} has no module {name}", package.id))
        })
    }
}

#[tonic::async_trait]
impl MovePackageService for PackageApi {
    async fn get_package(
        &self,
        request: Request<proto::GetPackageRequest>,
    ) -> Result<Response<proto::GetPackageResponse>, Status> {
        let id = parse_package(request.get_ref().package_id.as_deref())?;
        let package = self.package(&id)?;
        let mut message = proto::Package::default();
        message.storage_id = Some(id.to_string());
        message.original_id = Some(id.to_string());
        message.version = Some(1);
        message.modules = package
            .modules
            .values()
            .map(|module| {
                let mut out = proto::Module::default();
                out.name = Some(module.name.clone());
                out.datatypes = module.datatypes.iter().map(datatype).collect();
                out.functions = module.functions.iter().map(function).collect();
                out
            })
            .collect();
        message.type_origins = package
            .modules
            .values()
            .flat_map(|module| {
                module.datatypes.iter().map(move |d| {
                    let mut origin = proto::TypeOrigin::default();
                    origin.module_name = Some(module.name.clone());
                    origin.datatype_name = Some(d.name.name.clone());
                    origin.package_id = Some(id.to_string());
                    origin
                })
            })
            .collect();
        let mut response = proto::GetPackageResponse::default();
        response.package = Some(message);
        Ok(Response::new(response))
    }

    async fn get_datatype(
        &self,
        request: Request<proto::GetDatatypeRequest>,
    ) -> Result<Response<proto::GetDatatypeResponse>, Status> {
        let request = request.into_inner();
        let id = parse_package(request.package_id.as_deref())?;
        let module = self.module(self.package(&id)?, request.module_name.as_deref())?;
        let name = request
            .name
            .as_deref()
            .ok_or_else(|| Status::invalid_argument("`name` is required"))?;
        let found = module.datatype(name).ok_or_else(|| {
            Status::not_found(format!(
                "module {id}::{} has no datatype {name}",
                module.name
            ))
        })?;
        let mut response = proto::GetDatatypeResponse::default();
        response.datatype = Some(datatype(found));
        Ok(Response::new(response))
    }

    async fn get_function(
        &self,
        request: Request<proto::GetFunctionRequest>,
    ) -> Result<Response<proto::GetFunctionResponse>, Status> {
        let request = request.into_inner();
        let id = parse_package(request.package_id.as_deref())?;
        let module = self.module(self.package(&id)?, request.module_name.as_deref())?;
        let name = request
            .name
            .as_deref()
            .ok_or_else(|| Status::invalid_argument("`name` is required"))?;
        let found = module.function(name).ok_or_else(|| {
            Status::not_found(format!(
                "module {id}::{} has no function {name}",
                module.name
            ))
        })?;
        let mut response = proto::GetFunctionResponse::default();
        response.function = Some(function(found));
        Ok(Response::new(response))
    }

    async fn list_package_versions(
        &self,
        request: Request<proto::ListPackageVersionsRequest>,
    ) -> Result<Response<proto::ListPackageVersionsResponse>, Status> {
        let id = parse_package(request.get_ref().package_id.as_deref())?;
        self.package(&id)?;
        // Packages on the devnet are never upgraded: one version each.
        let mut version = proto::PackageVersion::default();
        version.package_id = Some(id.to_string());
        version.version = Some(1);
        let mut response = proto::ListPackageVersionsResponse::default();
        response.versions = vec![version];
        Ok(Response::new(response))
    }
}

fn ability(a: Ability) -> i32 {
    (match a {
        Ability::Copy => proto::Ability::Copy,
        Ability::Drop => proto::Ability::Drop,
        Ability::Store => proto::Ability::Store,
        Ability::Key => proto::Ability::Key,
    }) as i32
}

fn type_parameter(p: &TypeParameter) -> proto::TypeParameter {
    let mut out = proto::TypeParameter::default();
    out.constraints = p.constraints.iter().copied().map(ability).collect();
    out.is_phantom = Some(p.phantom);
    out
}

/// The body of an open signature: a type that may name the declaration's type parameters.
pub fn body(ty: &MoveType) -> proto::OpenSignatureBody {
    use proto::open_signature_body::Type as T;
    let mut out = proto::OpenSignatureBody::default();
    let kind = match ty {
        MoveType::Bool => T::Bool,
        MoveType::U8 => T::U8,
        MoveType::U16 => T::U16,
        MoveType::U32 => T::U32,
        MoveType::U64 => T::U64,
        MoveType::U128 => T::U128,
        MoveType::U256 => T::U256,
        // A signer only appears behind a reference in entry functions; the API names it as an
        // address.
        MoveType::Address | MoveType::Signer => T::Address,
        MoveType::Vector(inner) => {
            out.type_parameter_instantiation = vec![body(inner)];
            T::Vector
        }
        MoveType::Datatype(name, args) => {
            out.type_name = Some(name.to_string());
            out.type_parameter_instantiation = args.iter().map(body).collect();
            T::Datatype
        }
        MoveType::TypeParam(i) => {
            out.type_parameter = Some(u32::from(*i));
            T::Parameter
        }
    };
    out.r#type = Some(kind as i32);
    out
}

fn signature(param: &Param) -> proto::OpenSignature {
    use proto::open_signature::Reference as R;
    let mut out = proto::OpenSignature::default();
    out.reference = match param.reference {
        Reference::Value => None,
        Reference::Immutable => Some(R::Immutable as i32),
        Reference::Mutable => Some(R::Mutable as i32),
    };
    out.body = Some(body(&param.ty));
    out
}

fn function(f: &Function) -> proto::FunctionDescriptor {
    use proto::function_descriptor::Visibility as V;
    let mut out = proto::FunctionDescriptor::default();
    out.name = Some(f.name.clone());
    out.visibility = Some(
        (match f.visibility {
            Visibility::Public => V::Public,
            Visibility::Package => V::Friend,
            Visibility::Private => V::Private,
        }) as i32,
    );
    out.is_entry = Some(f.is_entry);
    out.type_parameters = f.type_parameters.iter().map(type_parameter).collect();
    out.parameters = f.parameters.iter().map(signature).collect();
    out.returns = f.returns.iter().map(signature).collect();
    out
}

fn fields(list: &[(String, MoveType)]) -> Vec<proto::FieldDescriptor> {
    list.iter()
        .enumerate()
        .map(|(position, (name, ty))| {
            let mut field = proto::FieldDescriptor::default();
            field.name = Some(name.clone());
            field.position = Some(position as u32);
            field.r#type = Some(body(ty));
            field
        })
        .collect()
}

fn datatype(d: &Datatype) -> proto::DatatypeDescriptor {
    use proto::datatype_descriptor::DatatypeKind as K;
    let mut out = proto::DatatypeDescriptor::default();
    out.type_name = Some(d.name.to_string());
    out.defining_id = Some(d.name.address.to_string());
    out.module = Some(d.name.module.clone());
    out.name = Some(d.name.name.clone());
    out.abilities = d.abilities.iter().copied().map(ability).collect();
    out.type_parameters = d.type_parameters.iter().map(type_parameter).collect();
    match &d.kind {
        DatatypeKind::Struct(list) => {
            out.kind = Some(K::Struct as i32);
            out.fields = fields(list);
        }
        DatatypeKind::Enum(variants) => {
            out.kind = Some(K::Enum as i32);
            out.variants = variants
                .iter()
                .enumerate()
                .map(|(position, (name, list))| {
                    let mut variant = proto::VariantDescriptor::default();
                    variant.name = Some(name.clone());
                    variant.position = Some(position as u32);
                    variant.fields = fields(list);
                    variant
                })
                .collect();
        }
    }
    out
}
